"""``noos simulate``: a whole subnet on a devnet with honest and adversarial participants.

Miners are in-process models whose quality changes over the epochs; validators run the real
:class:`~noosphere.nodes.validator.Validator` engine with simulated scorers (honest, lazy,
colluding, copying). The run writes ``report.json`` and plots, and checks that honest miners
are ranked by true quality, the random miner earns about nothing, sybils gain nothing and the
weight copier earns less per stake than honest validators.
"""

from noosphere.sim.report import build_report, checks, write_report
from noosphere.sim.run import SimConfig, SimResult, simulate

__all__ = ["SimConfig", "SimResult", "build_report", "checks", "simulate", "write_report"]
