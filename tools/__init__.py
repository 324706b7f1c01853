"""Developer tools for posture (not part of the installed package): the ground-truth clip renderer."""
