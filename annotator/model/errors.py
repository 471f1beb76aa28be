"""What the model's callers catch, in a module of its own: importing it costs nothing, while
model/training.py brings scikit-learn (about 0.8 s and 100 MiB), which only a training needs."""


class TooFewLabels(ValueError):
    """The project's final labels are too few to train and cross-validate a model."""
