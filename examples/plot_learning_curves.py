"""
Learning curves and early stopping
==================================

scikit-learn's digits, each 8x8 image read row by row as 8 steps of 8 pixels. With
``early_stopping=True`` the model holds out 10 % of the training data, scores it after every
epoch, stops when the score stops improving and keeps the weights of the best epoch.
``loss_curve_`` and ``validation_scores_`` record the way there; ``verbose=True`` prints one
line per epoch.
"""

# %%
import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from sklstm import LSTMClassifier

digits = load_digits()
X = digits.images / 16.0
X_train, X_test, y_train, y_test = train_test_split(
    X, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)
clf = LSTMClassifier(early_stopping=True, verbose=True, random_state=0)
clf.fit(X_train, y_train)
print(
    f"stopped after {clf.n_iter_} epochs; best validation accuracy "
    f"{clf.best_validation_score_:.3f}; test accuracy {clf.score(X_test, y_test):.3f}"
)

# %%
fig, ax = plt.subplots(figsize=(7, 3.5))
epochs = range(1, clf.n_iter_ + 1)
ax.plot(epochs, clf.loss_curve_, label="training loss (cross-entropy)")
ax.set_xlabel("epoch")
ax.set_ylabel("loss")
ax2 = ax.twinx()
ax2.plot(epochs, clf.validation_scores_, color="tab:orange", label="validation accuracy")
ax2.set_ylabel("accuracy")
fig.legend(loc="center right")
fig.tight_layout()
plt.show()
