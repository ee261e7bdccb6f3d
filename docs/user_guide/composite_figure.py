"""The composite model of sklstm's estimators, drawn for the user guide ("What model you get")."""

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

fig, ax = plt.subplots(figsize=(9, 4.2))
ax.set_xlim(0, 10)
ax.set_ylim(0, 5)
ax.axis("off")


def box(x, y, w, h, text, color, size=8.5):
    ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.05", fc=color, ec="0.3", lw=1))
    ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size)


def arrow(x0, y0, x1, y1, label=None):
    ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", color="0.3"))
    if label:
        ax.text(x0 + 0.05, y0 + 0.12, label, ha="left", fontsize=7.5)


box(0.1, 2.0, 1.5, 1.0, "sequences X\nstandardized", "#eeeeee")
parts = [
    (3.8, "ridge on the last steps\n(regressor; linear_steps)", "#d8e8f8", "linear_steps"),
    (
        2.3,
        "ridge on random-kernel\nfeatures (from 100 steps;\nrandom_kernels)",
        "#d8f0d8",
        "random_kernels",
    ),
    (0.6, "LSTM network\n(trained on what the\nridges leave)", "#f8e0c8", "lstm"),
]
for y, text, color, name in parts:
    box(2.2, y, 2.4, 1.0, text, color)
    arrow(1.7, 2.5, 2.15, y + 0.5)
    arrow(4.7, y + 0.5, 7.05, 2.5, f'× blend_weights_["{name}"]')
box(7.1, 2.0, 0.9, 1.0, "sum", "#eeeeee")
box(8.4, 2.0, 1.5, 1.0, "identity (regressor)\nsoftmax (classifier)", "#eeeeee")
arrow(8.05, 2.5, 8.35, 2.5)
ax.text(
    5.0,
    0.05,
    "Weights are chosen on sequences each part has not seen; the LSTM's training stops "
    "early when it adds nothing.",
    ha="center",
    fontsize=8,
    style="italic",
)
fig.tight_layout()
