"""``Results`` and every question it answers: metrics on counts, sparse counts, ranking,
regions, slices, tags, comparison, exports, tables, the image store and its codecs.

The bottom room: it imports no other room (``Results.save`` and ``save_html`` defer their
imports of ``savefile`` and ``report`` to the call).
"""
