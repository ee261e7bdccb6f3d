"""Demo: ``python -m sklstm`` trains a default LSTMClassifier on scikit-learn's digits.

Each 8x8 image is read row by row as a sequence of 8 steps of 8 pixels.
"""

import time

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklstm import LSTMClassifier


def main():
    digits = load_digits()
    X = digits.images / 16.0  # (1797, 8, 8): 8 steps (rows) of 8 features (pixels)
    X_train, X_test, y_train, y_test = train_test_split(
        X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
    )
    print(f"digits: {len(X_train)} training and {len(X_test)} test sequences of 8 steps x 8")
    model = LSTMClassifier(random_state=0)
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    print(f"{model!r} fitted in {seconds:.1f} s ({model.n_iter_} epochs)")
    print(f"test accuracy: {model.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
