"""``backcoach serve``: the web coach in the browser (the main way to use backcoach)."""

from __future__ import annotations

import ssl
import threading
import webbrowser
from pathlib import Path

import typer

from backcoach.errors import ConfigError

SAVE_HELP = (
    "Keep uploaded videos and live camera frames in BACKCOACH_HOME/saved, readable by you "
    "only (off by default: nothing is written to disk)."
)


def check_tls_files(certfile: Path | None, keyfile: Path | None) -> bool:
    """Whether to serve over HTTPS: both files given and readable, or neither."""
    if certfile is None and keyfile is None:
        return False
    if certfile is None or keyfile is None:
        raise ConfigError("HTTPS needs both --certfile and --keyfile.")
    for name, path in (("certificate", certfile), ("key", keyfile)):
        if not path.is_file():
            raise ConfigError(f"The {name} file {path} does not exist.")
    try:
        ssl.create_default_context(ssl.Purpose.CLIENT_AUTH).load_cert_chain(certfile, keyfile)
    except (ssl.SSLError, OSError) as error:
        raise ConfigError(
            f"The certificate {certfile} and key {keyfile} cannot be used together: either "
            "the key is not this certificate's, or one of them is not a PEM file."
        ) from error
    return True


def register(app: typer.Typer) -> None:
    """Add this area's commands to the ``backcoach`` app."""

    @app.command()
    def serve(
        host: str = typer.Option(
            "127.0.0.1", help="Address to listen on. The default keeps backcoach on this computer."
        ),
        port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
        no_browser: bool = typer.Option(
            False, "--no-browser", help="Do not open the coach in a web browser."
        ),
        save: bool = typer.Option(False, "--save", help=SAVE_HELP),
        allow_origin: list[str] = typer.Option(
            [],
            "--allow-origin",
            help="Another origin (scheme://host:port) allowed to use the coach, e.g. when a "
            "reverse proxy serves it; may be repeated.",
        ),
        allow_host: list[str] = typer.Option(
            [],
            "--allow-host",
            help="A host name people use to reach the coach from other machines (e.g. "
            "mypc.local); needed with --host 0.0.0.0; may be repeated.",
        ),
        max_upload_mb: int = typer.Option(
            200, min=1, max=4096, help="Largest video that can be uploaded, in MB."
        ),
        certfile: Path | None = typer.Option(
            None,
            "--certfile",
            help="Serve over HTTPS with this certificate (PEM), e.g. so that a phone's browser "
            "may use its camera: browsers give the camera only to HTTPS pages and this computer.",
        ),
        keyfile: Path | None = typer.Option(
            None, "--keyfile", help="The private key (PEM) of the --certfile certificate."
        ),
        clinic: bool = typer.Option(
            False,
            "--clinic",
            help="Serve a clinic: many patients and their clinicians, with sign-in, on "
            "PostgreSQL (settings from BACKCOACH_CLINIC_* or --config; see docs/deploy.md).",
        ),
        config: Path | None = typer.Option(
            None, "--config", help="With --clinic: the clinic settings file (YAML)."
        ),
    ) -> None:
        """Start the web coach: today's plan, the live camera coach and video checks."""
        if clinic:
            tls_files = (certfile, keyfile) if check_tls_files(certfile, keyfile) else None
            _serve_clinic(config, host, port, tuple(allow_host), tls_files)
            return
        from backcoach.catalog.loader import load_catalog
        from backcoach.config import resolve_paths
        from backcoach.journal.store import JournalStore
        from backcoach.planning.settings import load_settings
        from backcoach.web.app import create_app
        from backcoach.web.guard import allowed_hosts
        from backcoach.web.memory import limit_malloc_arenas
        from backcoach.web.server import run as run_server
        from backcoach.web.settings import WebSettings

        tls = check_tls_files(certfile, keyfile)
        limit_malloc_arenas()  # before any worker thread starts: see backcoach.web.memory
        paths = resolve_paths()
        settings = WebSettings(
            host=host,
            port=port,
            max_upload_mb=max_upload_mb,
            save_frames=save,
            allowed_origins=tuple(allow_origin),
            allowed_hosts=tuple(allow_host),
            save_dir=paths.home / "saved",
            tls=tls,
        )
        allowed_hosts(settings)  # refuses 0.0.0.0 without names, before anything is opened
        planning = load_settings(paths)
        catalog = load_catalog()
        store = JournalStore.from_paths(paths)
        scheme = "https" if tls else "http"
        url = f"{scheme}://{'127.0.0.1' if host in ('0.0.0.0', '::') else host}:{port}/"
        if host not in ("127.0.0.1", "localhost", "::1"):
            typer.echo(
                f"Warning: listening on {host} lets other machines on the network reach "
                "backcoach and your journal.",
                err=True,
            )
        try:
            web_app = create_app(settings, store, catalog, planning=planning)
            typer.echo(f"backcoach is running at {url} (Ctrl-C to stop).")
            if not no_browser:
                threading.Timer(1.0, webbrowser.open, args=(url,)).start()
            run_server(
                web_app,
                host,
                port,
                certfile=str(certfile) if certfile else None,
                keyfile=str(keyfile) if keyfile else None,
            )
        except OSError as error:
            raise ConfigError(
                f"Cannot listen on {host}:{port}: {error.strerror or error}."
            ) from error
        finally:
            store.close()


def _serve_clinic(
    config: Path | None,
    host: str,
    port: int,
    allow_host: tuple[str, ...],
    tls_files: tuple[Path | None, Path | None] | None,
) -> None:
    """The clinic server: no browser, no local journal; nothing per person kept in memory
    but a running guided session (see docs/architecture.md, Clinic mode)."""
    from backcoach.catalog.loader import load_catalog
    from backcoach.clinic.queue import ClinicQueue
    from backcoach.clinic.service import Clinic
    from backcoach.clinic.settings import load_clinic_settings
    from backcoach.journal.video_jobs_store import VideoJobsStore
    from backcoach.web.clinic_app import create_clinic_app
    from backcoach.web.clinic_uploads import QueuedUploads
    from backcoach.web.memory import limit_malloc_arenas
    from backcoach.web.server import run as run_server

    limit_malloc_arenas()
    settings = load_clinic_settings(config)
    if allow_host:
        settings = settings.model_copy(
            update={"allowed_hosts": (*settings.allowed_hosts, *allow_host)}
        )
    clinic = Clinic.open(settings)
    queue = ClinicQueue(settings.database_url)
    videos = VideoJobsStore(clinic.journal.engine, clinic.journal.location.describe())
    try:
        web_app = create_clinic_app(
            clinic,
            load_catalog(),
            host=host,
            port=port,
            uploads_for=lambda patient_id: QueuedUploads(videos, queue, patient_id),
            tls=tls_files is not None,
        )
        typer.echo(f"The backcoach clinic is running on {host}:{port} (Ctrl-C to stop).")
        certfile, keyfile = tls_files or (None, None)
        run_server(
            web_app,
            host,
            port,
            certfile=str(certfile) if certfile else None,
            keyfile=str(keyfile) if keyfile else None,
        )
    except OSError as error:
        raise ConfigError(f"Cannot listen on {host}:{port}: {error.strerror or error}.") from error
    finally:
        queue.close()
        clinic.close()
