"""Per-frame stateful tools the analyzers are built from: de-jittered yes/no judgements,
hold timers, rep counters, visibility and scene cuts. Every threshold is in seconds or body
sizes, so the tools work at any frame rate and any distance from the camera."""
