# Models arrive with their issue (see the issue list); the app exists so the layout is stable.
