"""backcoach: a home exercise coach for low back pain."""

__version__ = "0.1.0"
