"""The analysis pass: one forward per batch, sparse per-image statistics, never logits kept.

Holds the adapters, class names, the logit sweep, cell counts, the boundary band, the encoder,
fingerprints, metadata collection and the distributed gather. May import ``results`` and
``savefile``; never ``view`` or ``report``.
"""
