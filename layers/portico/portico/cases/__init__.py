"""Cases: support cases, their comment threads, attachments, routing and service levels."""
