import os

# scikit-learn runs its array-API input check only when this is set (it is read
# before SciPy is imported): without it the check would be skipped.
os.environ.setdefault("SCIPY_ARRAY_API", "1")
