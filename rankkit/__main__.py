from rankkit.cli import app

app(prog_name="rankkit")
