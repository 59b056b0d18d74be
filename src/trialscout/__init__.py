"""trialscout: find oncology trials and check eligibility, offline, over a local registry copy."""

__version__ = "0.1.0"
