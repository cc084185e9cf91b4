"""Save and load: one ``.npz`` (and a comparison's pair), every member checked before use.

May import ``results``; never ``analysis``, ``view`` or ``report``.
"""
