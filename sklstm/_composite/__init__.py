"""The composite model: closed-form parts beside the network, and the blend of them all.

:class:`Composite` holds the parts and their weights, and is what fits the parts, predicts
and emits ONNX; the estimators keep what only they know (parameters, targets, the loss).
"""

from ._model import Composite, NetworkPart, describe_blend

__all__ = ["Composite", "NetworkPart", "describe_blend"]
