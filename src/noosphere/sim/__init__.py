"""``noos simulate``: a whole subnet on a devnet with honest and adversarial participants.

Miners are in-process models whose quality changes over the epochs; validators run the real
:class:`~noosphere.nodes.validator.Validator` engine with simulated scorers (honest, lazy,
colluding, copying). Before the epochs a data provider runs a real provider node and sells the
task's public training split as a Data NFT; the miners serving the top model buy a licence and
train it through compute-to-data, keeping the signed receipts (:mod:`noosphere.sim.data`). The
run writes ``report.json``, plots and the receipts, and checks that honest miners are ranked by
true quality, the random miner earns about nothing, sybils gain nothing, the weight copier
earns less per stake than honest validators, and every licence sold trained a served model.
"""

from noosphere.sim.report import build_report, checks, write_report
from noosphere.sim.run import SimConfig, SimResult, simulate

__all__ = ["SimConfig", "SimResult", "build_report", "checks", "simulate", "write_report"]
