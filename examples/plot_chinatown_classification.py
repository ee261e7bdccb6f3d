"""
Classifying days from pedestrian counts
=======================================

UCR Chinatown: each sequence is one day of hourly pedestrian counts (24 steps) in Melbourne's
Chinatown, labelled weekday or weekend. The labels are "1" and "2": in the training days,
class "1" has the late-night crowds of weekends (about 500 people at midnight against 120)
and class "2" the morning commute of weekdays (about 230 at 9 am against 165). The counts run
into the thousands, so the sequences are standardised first, each day over its own mean and
spread. The confusion matrix shows which days the model mistakes.
"""

# %%
import matplotlib.pyplot as plt
from _data import load
from sklearn.metrics import ConfusionMatrixDisplay

from sklstm import LSTMClassifier

data = load("Chinatown_small")


def standardise(X):
    return (X - X.mean(axis=1, keepdims=True)) / X.std(axis=1, keepdims=True)


X_train, X_test = standardise(data["X_train"]), standardise(data["X_test"])
y_train, y_test = data["y_train"], data["y_test"]
print(f"{len(X_train)} training and {len(X_test)} test days of {X_train.shape[1]} hours")

clf = LSTMClassifier(random_state=0).fit(X_train, y_train)
print(f"test accuracy: {clf.score(X_test, y_test):.3f}")

# %%
ConfusionMatrixDisplay.from_estimator(clf, X_test, y_test, cmap="Blues")
plt.title("Chinatown: weekend-like (1) or weekday-like (2) days")
plt.show()
