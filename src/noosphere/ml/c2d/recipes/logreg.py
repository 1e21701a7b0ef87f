"""Noosphere compute-to-data recipe ``logreg``: standardised logistic regression.

The same estimator as the miners' recipe ``logreg`` (noosphere.ml.recipes);
``params`` are its scikit-learn parameters.
"""

from noosphere.ml.recipes import train as _train


def train(X, y, params, seed):
    return _train("logreg", X, y, seed=seed, **params)
