"""The widget: ``SegExplorer``, its traits, the browser protocol and input guards, detail
overlays and the bqplot charts.

May import ``analysis`` (to run a pass for a model), ``results`` and ``savefile``; ``report``
only inside ``save_html``.
"""
