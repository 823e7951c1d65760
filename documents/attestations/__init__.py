"""The attestation request workflow, from the client's « Envoyer la demande » to the document.

Read in this order: ``submit`` (checks, record, send the job; retry), ``values`` (what the
client typed), ``jobs`` (Celery, or threads of the web process), ``process`` (the job's body),
``recovery`` (lost jobs), ``validation`` (staff's « Valider » / « Refuser »), ``emails``;
``batches`` (« Tous les véhicules en cours »: one request per beneficiary) with
``batch_selectors`` and ``bundles`` (its ZIP and merged PDF).
"""
