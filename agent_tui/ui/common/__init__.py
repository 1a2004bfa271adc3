"""What the desk, the wallboard and the trainer console share: base App, bindings, themes, dialogs."""
