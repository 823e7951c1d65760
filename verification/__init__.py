"""The public verification page: anyone holding an attestation checks that it is genuine and
what its state is today (``/verifier/``), without logging in."""
