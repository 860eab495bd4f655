from ui.cli import app

app()
