"""Back-office systems feeding the portal: the events they may send and the signed webhook
that takes them from a system that cannot put events on the bus itself."""
