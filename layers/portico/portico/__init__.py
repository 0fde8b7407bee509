"""Portico's domain library, shared by every function as a Lambda layer."""
