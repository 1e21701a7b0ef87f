"""Re-verification from public data: epoch results now, model lineages later."""

from noosphere.audit.epoch import EpochOutcome, compute_epoch, load_bonds, save_bonds

__all__ = ["EpochOutcome", "compute_epoch", "load_bonds", "save_bonds"]
