"""Alert delivery on the hosted side: the outbox that flips are written to, and its senders."""
