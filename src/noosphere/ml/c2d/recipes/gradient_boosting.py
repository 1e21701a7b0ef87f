"""Noosphere compute-to-data recipe ``gradient_boosting``: gradient-boosted trees.

The same estimator as the miners' recipe ``gradient_boosting`` (noosphere.ml.recipes);
``params`` are its scikit-learn parameters.
"""

from noosphere.ml.recipes import train as _train


def train(X, y, params, seed):
    return _train("gradient_boosting", X, y, seed=seed, **params)
