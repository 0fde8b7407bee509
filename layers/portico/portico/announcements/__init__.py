"""Announcements: what staff tell everyone, a role or some accounts for a while (a new
feature, a maintenance window, an outage), and what each caller sees now."""
