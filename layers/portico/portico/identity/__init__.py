"""Identity: accounts, contacts and their memberships, invitations."""
