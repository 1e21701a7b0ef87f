"""Noosphere compute-to-data recipe ``random_forest``: a random forest of depth-limited trees.

The same estimator as the miners' recipe ``random_forest`` (noosphere.ml.recipes);
``params`` are its scikit-learn parameters.
"""

from noosphere.ml.recipes import train as _train


def train(X, y, params, seed):
    return _train("random_forest", X, y, seed=seed, **params)
