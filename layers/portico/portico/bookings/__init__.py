"""Bookings: shared resources, their availability and the bookings that claim it."""
