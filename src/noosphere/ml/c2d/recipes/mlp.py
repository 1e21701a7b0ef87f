"""Noosphere compute-to-data recipe ``mlp``: a standardised one-hidden-layer perceptron.

The same estimator as the miners' recipe ``mlp`` (noosphere.ml.recipes);
``params`` are its scikit-learn parameters.
"""

from noosphere.ml.recipes import train as _train


def train(X, y, params, seed):
    return _train("mlp", X, y, seed=seed, **params)
