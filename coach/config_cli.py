"""`coach config`: show where settings come from and what is in force (the key is never shown)."""

from __future__ import annotations

import json

import click

from coach.config import config_file, load_settings


@click.group()
def config() -> None:
    """Show the configuration in force."""


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def show(as_json: bool) -> None:
    """Print the settings in force; the API key is shown only as set or not set."""
    settings = load_settings()
    values = {
        "mode": settings.describe_mode(),
        "config_file": str(config_file()),
        "config_file_exists": config_file().is_file(),
        "data_dir": str(settings.data_dir),
        "api_key": "set" if settings.api_key else "not set",
        "base_url": settings.base_url,
        "model": settings.llm_model,
        "chroma_url": settings.chroma_url,
        "embeddings": settings.embeddings,
    }
    if as_json:
        click.echo(json.dumps(values, indent=2))
        return
    for key, value in values.items():
        click.echo(f"{key:>20}: {value}")


@config.command("path")
def path() -> None:
    """Print the config file's path."""
    click.echo(str(config_file()))
