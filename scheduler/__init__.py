"""Time: jobs that find due work in the store and write it to the outbox, and the outbox delivery."""
