"""Notifications: domain events turned into in-app notifications, e-mail (at once or in a
daily digest) and live badges, for the people each event concerns, in their language."""
