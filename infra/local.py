"""The whole portal on one machine: `python -m infra.local` (what `make run` runs).

moto's server stands in for AWS; template.yaml says what to create in it, which function
serves which route and which queue, stream, schedule or bucket feeds which function.
"""

from __future__ import annotations

import argparse
import faulthandler
import json
import logging
import os
import signal
import socket
import sys
import threading
import time
import warnings
from pathlib import Path
from typing import Any

import boto3
import requests
from moto.server import ThreadedMotoServer

from infra import brand, moto_fixes, site
from infra import seed as demo
from infra.functions import Function, load_functions
from infra.gateway import API_PREFIX, Gateway, JwtAuthorizer
from infra.live import LiveGateway
from infra.provision import LOCAL_WEBSOCKET_API, Provisioner
from infra.template import Template
from infra.workers import (
    BucketSource,
    FeedReader,
    QueueSource,
    Schedule,
    StreamSource,
    TimeToLive,
    Worker,
)

ROOT = Path(__file__).resolve().parent.parent
ACCOUNT_ID = "123456789012"  # moto's account
MAIL_FROM = "no-reply@portico.example"  # the local SES identity; moto verifies it at once


def free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


class LocalCloud:
    def __init__(self, *, root: Path = ROOT, template: Path | None = None,
                 host: str = "127.0.0.1", port: int = 0, stack_name: str = "portico-local",
                 region: str = "eu-west-1", site_dir: Path | None = None,
                 run_workers: bool = True, seed: bool = True,
                 feed_dir: Path | None = None) -> None:
        self.root = root
        self.template_path = template or root / "template.yaml"
        self.host = host
        self.port = port or free_port(host)
        self.stack_name = stack_name
        self.region = region
        self.site_dir = site_dir or root / "build" / "site"
        # Checked as the cloud starts: a bad brand file stops `make run` with what is wrong.
        self.brand = brand.load()
        self.run_workers = run_workers
        self.seed = seed
        self.feed_dir = feed_dir  # where the outbound feeds are written (None: dropped)
        self.users: list[dict[str, Any]] = []
        self.resources: dict[str, str] = {}  # demo resources by name
        self.workers: list[Worker] = []
        self.functions: dict[str, Function] = {}
        self.live: LiveGateway | None = None  # the WebSocket API, if the template has one
        self.ready_seconds = 0.0
        self._moto: ThreadedMotoServer | None = None
        self._gateway: Gateway | None = None
        self._clients: dict[str, Any] = {}
        self._session: Any = None
        self._clients_lock = threading.Lock()
        self._saved_env: dict[str, str | None] = {}

    # -- addresses ------------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api_url(self) -> str:
        return self.url + API_PREFIX

    @property
    def live_url(self) -> str | None:
        """The WebSocket API's URL here (`ws://<host>/<stage>`), if the template has one."""
        return f"ws://{self.host}:{self.port}{self.live.prefix}" if self.live else None

    @property
    def aws_endpoint(self) -> str:
        assert self._moto is not None, "start() first"
        host, port = self._moto.get_host_and_port()
        return f"http://{host}:{port}"

    def session(self) -> boto3.session.Session:
        return boto3.session.Session(aws_access_key_id="testing",
                                     aws_secret_access_key="testing",  # noqa: S106 - moto's
                                     region_name=self.region)

    def client(self, service: str) -> Any:
        """The local cloud's own client for `service`, made once: creating a boto3 client
        costs ~0.1 s, and startup asked for ~24 of them. boto3 clients are thread-safe, so
        the workers share them; creating one is not, hence the lock. One session for all
        of them shares botocore's loaded service models."""
        with self._clients_lock:
            if service not in self._clients:
                if self._session is None:
                    self._session = self.session()
                self._clients[service] = self._session.client(
                    service, endpoint_url=self.aws_endpoint)
            return self._clients[service]

    def signed_in(self, email: str) -> requests.Session:
        """An HTTP session for the API as a demo user, with their access token (for
        benchmarks and scripts; tests go through tests.conftest.Portal)."""
        user = next(u for u in self.users if u["email"] == email)
        tokens = self.client("cognito-idp").initiate_auth(
            ClientId=self.resource("UserPoolClient"), AuthFlow="USER_PASSWORD_AUTH",
            AuthParameters={"USERNAME": email, "PASSWORD": user["password"]},
        )["AuthenticationResult"]
        http = requests.Session()
        # No proxy settings from the environment: requests would walk os.environ on every
        # call while this process's functions set and remove their variables in it (a
        # KeyError mid-walk ended an hour's soak after a minute).
        http.trust_env = False
        http.headers["Authorization"] = f"Bearer {tokens['AccessToken']}"
        return http

    # -- life cycle -----------------------------------------------------------------------
    def start(self) -> LocalCloud:
        started = time.perf_counter()
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        # Powertools says so after every invocation that published no metric of its own.
        warnings.filterwarnings("ignore", "No application metrics to publish")
        moto_fixes.apply()
        self._moto = ThreadedMotoServer(ip_address=self.host, port=0, verbose=False)
        self._moto.start()
        base_env = {
            "AWS_ENDPOINT_URL": self.aws_endpoint,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_SESSION_TOKEN": "testing",
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
        # Restored on stop: a process may start another cloud, or mock AWS, after this one.
        self._saved_env = {k: os.environ.get(k) for k in base_env}
        os.environ.update(base_env)

        t = Template(self.template_path, stack_name=self.stack_name, region=self.region,
                     account_id=ACCOUNT_ID, parameters={"Stage": "dev", "MailFrom": MAIL_FROM})
        self.template = t
        Provisioner(t, self.client, site_host=f"{self.host}:{self.port}").provision()
        self.functions = load_functions(t, base_env=base_env)
        for fn in self.functions.values():
            # The local site is plain http on this host, not the distribution's https.
            if "SITE_URL" in fn.env:
                fn.env["SITE_URL"] = self.url
            # The WebSocket API's management endpoint is the gateway's, under the stage.
            aws_live = f"https://{LOCAL_WEBSOCKET_API}.execute-api.{self.region}.amazonaws.com/"
            for k, v in fn.env.items():
                if v.startswith(aws_live):
                    fn.env[k] = f"{self.url}/{v[len(aws_live):]}"

        if not self.site_dir.exists():
            site.build(output=self.site_dir)
        auth = t.authorizer()
        authorizer = None
        if auth is not None:
            aws_host = f"https://cognito-idp.{self.region}.amazonaws.com"
            authorizer = JwtAuthorizer(auth, auth.issuer.replace(aws_host, self.aws_endpoint)
                                       + "/.well-known/jwks.json")
        ws_api = t.websocket_api()
        self.live = LiveGateway(ws_api, self.functions, account_id=ACCOUNT_ID,
                                api_id=LOCAL_WEBSOCKET_API) if ws_api else None
        self._gateway = Gateway(t.routes(), self.functions, authorizer,
                                site_dir=self.site_dir, config=self.site_config,
                                account_id=ACCOUNT_ID, cors=self.cors(),
                                site_headers=self.site_headers(), live=self.live)
        self._gateway.start(self.host, self.port)

        if self.seed:
            with self.functions["IdentityFunction"].environment():
                self.users = demo.seed(self.client, user_pool_id=self.resource("UserPool"))
            with self.functions["CasesFunction"].environment():
                demo.seed_cases(self.users)
            with self.functions["BookingsFunction"].environment():
                self.resources = demo.seed_bookings(self.users)
            with self.functions["KnowledgeBaseFunction"].environment():
                demo.seed_articles(self.users)
            with self.functions["IngestFunction"].environment():
                demo.seed_invoices()
            with self.functions["AnnouncementsFunction"].environment():
                demo.seed_announcements(self.users)
        self.workers = self._event_sources()
        if self.run_workers:
            for w in self.workers:
                w.start()
        self.ready_seconds = time.perf_counter() - started
        return self

    def stop(self) -> None:
        # All event sources stop polling at once; each may finish the invocation in hand.
        for w in self.workers:
            w.signal_stop()
        deadline = time.monotonic() + 10
        for w in self.workers:
            w.stop(timeout=max(0.1, deadline - time.monotonic()))
        if self._gateway is not None:
            self._gateway.stop()
            self._gateway = None
        if self._moto is not None:
            self._moto.stop()
            self._moto = None
        for k, v in self._saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
        self._saved_env = {}

    @property
    def running(self) -> bool:
        return self._moto is not None

    def __enter__(self) -> LocalCloud:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what the template made -----------------------------------------------------------
    def resource(self, logical_id: str) -> str:
        return self.template.physical[logical_id].ref

    def attr(self, logical_id: str, name: str) -> str:
        return self.template.physical[logical_id].attrs[name]

    def queue_url(self, arn: str) -> str:
        for p in self.template.physical.values():
            if p.attrs.get("Arn") == arn and "QueueUrl" in p.attrs:
                return p.attrs["QueueUrl"]
        raise KeyError(f"no queue {arn} in the template")

    def _event_sources(self) -> list[Worker]:
        sqs = self.client("sqs")
        streams = self.client("dynamodbstreams")
        workers: list[Worker] = []
        notifications: dict[str, list[dict[str, Any]]] = {}
        for fn in self.functions.values():
            for name, event in fn.events.items():
                kind, props = event["Type"], event["Properties"]
                if kind == "HttpApi":
                    continue
                if kind == "SQS":
                    workers.append(QueueSource(sqs, fn, self.queue_url(props["Queue"]),
                                               props["Queue"], props, self.region))
                elif kind == "DynamoDB":
                    workers.append(StreamSource(streams, sqs, fn, props["Stream"], props,
                                                self.region, self.queue_url))
                elif kind == "Schedule":
                    rule = f"arn:aws:events:{self.region}:{ACCOUNT_ID}:rule/{fn.name}-{name}"
                    workers.append(Schedule(fn, rule, props, self.region, ACCOUNT_ID))
                elif kind == "S3":
                    workers.append(self._bucket_source(sqs, fn, name, props, notifications))
                else:
                    raise ValueError(f"{fn.logical_id}.{name}: the local cloud does not run "
                                     f"{kind} events")
        workers += self._table_expiry() + self._feed_readers(sqs, workers)
        for bucket, configs in notifications.items():
            # One configuration per bucket holds every function's notifications, as the
            # bucket's NotificationConfiguration does after SAM's transform.
            self.client("s3").put_bucket_notification_configuration(
                Bucket=bucket, NotificationConfiguration={"QueueConfigurations": configs})
        return workers

    def _table_expiry(self) -> list[Worker]:
        workers: list[Worker] = []
        for lid in self.template.of_type("AWS::DynamoDB::Table"):
            ttl = self.template.properties(lid).get("TimeToLiveSpecification") or {}
            if ttl.get("Enabled") in (True, "true") and ttl.get("AttributeName"):
                workers.append(TimeToLive(self.client("dynamodb"), self.resource(lid),
                                          str(ttl["AttributeName"])))
        return workers

    def _feed_readers(self, sqs: Any, sources: list[Worker]) -> list[Worker]:
        """A reader for each queue a bus rule fills that no function reads: an outbound
        feed, read in AWS by a back office."""
        read = {w.queue_arn for w in sources if isinstance(w, QueueSource)}
        targets = [str(t["Arn"]) for lid in self.template.of_type("AWS::Events::Rule")
                   for t in self.template.resolve(self.template.properties(lid))
                   .get("Targets") or []]
        feeds = [arn for arn in dict.fromkeys(targets)
                 if arn.startswith("arn:aws:sqs:") and arn not in read]
        if self.feed_dir is not None:
            self.feed_dir.mkdir(parents=True, exist_ok=True)
        readers: list[Worker] = []
        for arn in feeds:
            name = arn.rsplit(":", 1)[-1].removeprefix(f"{self.stack_name}-")
            path = None if self.feed_dir is None else self.feed_dir / f"{name}.ndjson"
            if path is not None:
                path.write_text("")  # this run's events only
            readers.append(FeedReader(sqs, self.queue_url(arn), arn, path))
        return readers

    def feed_paths(self) -> list[Path]:
        return [w.path for w in self.workers if isinstance(w, FeedReader) and w.path]

    def _bucket_source(self, sqs: Any, fn: Function, name: str, props: dict[str, Any],
                       notifications: dict[str, list[dict[str, Any]]]) -> BucketSource:
        """An `S3` event: moto cannot invoke a function, but notifies a queue; this one is
        the local cloud's own, and a BucketSource invokes the function from it."""
        queue = f"{self.stack_name}-{fn.logical_id}-{name}-s3"[:80]
        url = sqs.create_queue(QueueName=queue)["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        events = props["Events"]
        config: dict[str, Any] = {"Id": f"{fn.logical_id}-{name}", "QueueArn": arn,
                                  "Events": [events] if isinstance(events, str) else events}
        rules = ((props.get("Filter") or {}).get("S3Key") or {}).get("Rules") or []
        if rules:
            config["Filter"] = {"Key": {"FilterRules": [
                {"Name": str(r["Name"]).lower(), "Value": r["Value"]} for r in rules]}}
        notifications.setdefault(str(props["Bucket"]), []).append(config)

        invoke = self.template.resolve(
            self.template.properties(fn.logical_id).get("EventInvokeConfig") or {})
        destinations = invoke.get("DestinationConfig") or {}
        on_failure = destinations.get("OnFailure") or {}
        if "OnSuccess" in destinations or on_failure.get("Type", "SQS") != "SQS":
            raise ValueError(f"{fn.logical_id}: the local cloud delivers OnFailure "
                             "destinations of Type SQS only")
        return BucketSource(sqs, self.client("s3"), fn, url,
                            max_retries=int(invoke.get("MaximumRetryAttempts", 2)),
                            on_failure=on_failure.get("Destination"),
                            destination_url=self.queue_url)

    def cors(self) -> dict[str, Any]:
        """The HTTP API's CORS configuration; the site's origin here is plain http."""
        if not self.template.of_type("AWS::Serverless::HttpApi"):
            return {}
        _, props = self.template.http_api()
        config: dict[str, Any] = self.template.resolve(props.get("CorsConfiguration") or {})
        return {**config, "AllowOrigins": [*config.get("AllowOrigins", []), self.url]}

    def site_headers(self) -> dict[str, str]:
        """The CloudFront response headers policy of the template, for the local site; the
        page's connect-src also names the local Cognito (moto), which is not on AWS's host."""
        policies = self.template.of_type("AWS::CloudFront::ResponseHeadersPolicy")
        if not policies:
            return {}
        (lid, _), = policies.items()
        config = self.template.resolve(self.template.properties(lid))[
            "ResponseHeadersPolicyConfig"]["SecurityHeadersConfig"]
        headers = {"X-Content-Type-Options": "nosniff"}
        if "ContentSecurityPolicy" in config:
            csp = config["ContentSecurityPolicy"]["ContentSecurityPolicy"]
            headers["Content-Security-Policy"] = csp.replace(
                "connect-src 'self'", f"connect-src 'self' {self.aws_endpoint}")
        if "FrameOptions" in config:
            headers["X-Frame-Options"] = config["FrameOptions"]["FrameOption"]
        if "ReferrerPolicy" in config:
            headers["Referrer-Policy"] = config["ReferrerPolicy"]["ReferrerPolicy"]
        return headers

    def site_config(self) -> dict[str, Any]:
        return {
            "apiUrl": self.api_url,
            **({"liveUrl": self.live_url} if self.live_url else {}),
            "region": self.region,
            "cognito": {
                "endpoint": self.aws_endpoint,
                "userPoolId": self.resource("UserPool"),
                "clientId": self.resource("UserPoolClient"),
            },
            "brand": self.brand.for_pages(),
        }

    def info(self) -> dict[str, Any]:
        return {
            "url": self.url + "/",
            "api_url": self.api_url,
            "aws_endpoint": self.aws_endpoint,
            "region": self.region,
            "user_pool_id": self.resource("UserPool"),
            "client_id": self.resource("UserPoolClient"),
            "table": self.resource("Table"),
            "bus": self.resource("EventBus"),
            "mail_from": self.template.parameters["MailFrom"],
            "buckets": {lid: self.resource(lid) for lid in
                        self.template.of_type("AWS::S3::Bucket")},
            "queues": {lid: self.resource(lid) for lid in
                       self.template.of_type("AWS::SQS::Queue")},
            "users": [{k: u[k] for k in ("email", "password", "roles", "account_id", "name",
                                         "accounts")} for u in self.users],
            "ready_seconds": round(self.ready_seconds, 2),
            "integrations": self.integration_secrets(),
            "feeds": [str(p) for p in self.feed_paths()],
        }

    def integration_secrets(self) -> dict[str, str]:
        """Each back-office integration's current webhook signing secret, by name."""
        sm = self.client("secretsmanager")
        out = {}
        for lid in self.template.of_type("AWS::SecretsManager::Secret"):
            arn = self.resource(lid)
            name = str(sm.describe_secret(SecretId=arn)["Name"]).rsplit("/", 1)[1]
            out[name] = str(json.loads(sm.get_secret_value(SecretId=arn)["SecretString"])
                            .get("current", ""))
        return out


def banner(info: dict[str, Any], state: Path) -> str:
    lines = [
        f"Portico is running at {info['url']}  (ready in {info['ready_seconds']:.1f} s)",
        f"  API          {info['api_url']}",
        f"  local AWS    {info['aws_endpoint']}  (moto, region {info['region']})",
        f"  state        {state}",
        "",
        "  Demo logins (the same password for all: "
        f"{info['users'][0]['password'] if info['users'] else '-'})",
    ]
    lines += [f"    {u['email']:<28} " + "; ".join(
        f"{', '.join(roles)} in {account}" for account, roles in u["accounts"].items())
        for u in info["users"]]
    for name, secret in info.get("integrations", {}).items():
        lines += ["", f"  Back-office webhook: POST {info['api_url']}/integrations/webhook "
                  f"as integration {name!r},", f"    signing secret {secret} "
                  "(events/README.md says how to sign)"]
    for path in info.get("feeds", []):
        lines += ["", f"  Outbound feed (what a back office would read): {path}"]
    lines += ["", "Press Ctrl-C to stop."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Run the whole portal locally.")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORTICO_PORT", 8000)),
                        help="port of the local URL (0: any free port; default 8000)")
    parser.add_argument("--state", type=Path, default=ROOT / "build" / "local.json",
                        help="where to write the URLs and demo logins as JSON")
    args = parser.parse_args(argv)

    port = args.port
    if port:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                print(f"port {port} is in use; using a free one (set PORTICO_PORT to choose)",
                      file=sys.stderr)
                port = 0

    # SIGTERM and Ctrl-C are taken synchronously by the main thread. With a Python handler
    # the kernel may deliver the signal to a worker thread, and then the main thread's
    # sleep never wakes to act on it. Threads inherit the mask, so block before starting.
    try:  # nothing runs yet: a bad brand file is the operator's to fix
        cloud = LocalCloud(port=port, feed_dir=args.state.parent / "feeds")
    except brand.BadBrand as e:
        print(f"the brand file is not valid: {e}", file=sys.stderr)
        return 1
    stop_signals = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop_signals)
    try:
        cloud.start()
        info = cloud.info()
        args.state.parent.mkdir(parents=True, exist_ok=True)
        # Whole or not at all: scripts wait for this file to appear.
        partial = args.state.with_suffix(".partial")
        partial.write_text(json.dumps(info, indent=2) + "\n")
        partial.replace(args.state)
        print(banner(info, args.state), flush=True)
        # make passes Ctrl-C or SIGTERM on to us as well: the first one stops the portal,
        # repeats stay blocked and change nothing.
        signal.sigwait(stop_signals)
    finally:
        # Whatever a stuck thread does, the process ends: a daemon timer has the last word,
        # and says where each thread was.
        def forced() -> None:
            os.write(1, b"Portico stopped (a worker was still busy after 20 s).\n")
            faulthandler.dump_traceback(file=sys.stdout.fileno(), all_threads=True)
            os._exit(0)

        last_word = threading.Timer(20, forced)
        last_word.daemon = True
        last_word.start()
        cloud.stop()
        print("Portico stopped.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
