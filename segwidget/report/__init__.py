"""The offline report: one HTML file running the widget's own ES module with the state and
images embedded.

May import ``view`` and ``results``.
"""
