"""HTTP client of the Starlink Public API V2.

The endpoint methods are here; the transport under them (token, timeouts,
retries, rate limiter, paging, typed errors) is :class:`.transport.StarlinkTransport`
in ``transport.py``:

* OAuth2 client-credentials token, cached until shortly before it expires and
  shared by every client of the same account in the process (``token_cache``),
  refreshed once (and the call retried once) when the API answers 401;
* a timeout on every request; bounded exponential backoff with jitter on 429,
  5xx, timeouts and connection errors;
* a per-account sliding-window limiter under the 250 requests/min quota;
* paging over ``content.{results, pageIndex, limit, isLastPage, totalCount}``;
* envelope errors (``isValid=false``, 400/422...) raised as typed exceptions.

Writes are never retried blindly. No Starlink write has an idempotency key,
and some are not idempotent at all (a data top-up charges again, a second
``POST /service-lines`` opens a second billable line). So for a write
(``request(..., write=True)``, which every write method of this client uses):

* an answer that proves the request was not processed may be retried as for a
  read: 401 (one token refresh), 429 and 5xx other than 504 (bounded backoff),
  a connect timeout or a refused connection (the request never left);
* a lost answer is not retried: a read timeout, a connection dropped after
  sending, or a 504 from a gateway raise an error with ``possibly_applied``
  set (:class:`StarlinkTimeoutError` for a timeout). The caller must re-read
  the state at Starlink (the line, its top-ups, the invoices) before deciding
  to send the request again.

Secrets never appear in log lines, exception messages or ``repr()``.
"""

import requests

from .exceptions import StarlinkAuthError, StarlinkError
from .transport import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .transport import TOKEN_PATH as TOKEN_PATH
from .transport import StarlinkTransport

API_PREFIX = "/public/v2"
PAGE_SIZE = 100
USAGE_PAGE_LIMIT = 250
STREAM_MAX = 65000


class StarlinkClient(StarlinkTransport):
    """Client of one Starlink account's Public API V2.

    Constructor parameters: see :class:`.transport.StarlinkTransport`.
    """

    # ------------------------------------------------------------------ endpoints
    def test_connection(self):
        """Mint a token and read the account; return the account information.

        :raises StarlinkAuthError: bad credentials, or they belong to another account
        """
        self.invalidate_token()
        account = self.get_account()
        number = account.get("accountNumber")
        if self.account_number and number and number != self.account_number:
            raise StarlinkAuthError(
                "The credentials belong to account %s, not %s" % (number, self.account_number)
            )
        return account

    def get_account(self):
        """``GET /public/v2/account``: the account information (``content``)."""
        return self.request("GET", API_PREFIX + "/account").get("content") or {}

    def iter_service_lines(self, search=None, address_reference_id=None, newest_first=None):
        """All service lines (``GET /public/v2/service-lines``, every page)."""
        params = {
            "searchString": search,
            "addressReferenceId": address_reference_id,
            "orderByCreatedDateDescending": _bool_param(newest_first),
        }
        return self.iter_results(API_PREFIX + "/service-lines", params)

    def get_service_line(self, service_line_number):
        """One service line (``content``)."""
        path = "%s/service-lines/%s" % (API_PREFIX, requests.utils.quote(service_line_number))
        return self.request("GET", path).get("content") or {}

    def iter_user_terminals(
        self, service_line_numbers=None, user_terminal_ids=None, has_service_line=None, search=None
    ):
        """All user terminals (``GET /public/v2/user-terminals``, every page)."""
        params = {
            "serviceLineNumbers": list(service_line_numbers or []) or None,
            "userTerminalIds": list(user_terminal_ids or []) or None,
            "hasServiceLine": _bool_param(has_service_line),
            "searchString": search,
        }
        return self.iter_results(API_PREFIX + "/user-terminals", params)

    def find_user_terminal(self, device):
        """The account's terminal a device id names (terminal id, kit or dish serial), or None."""
        for item in self.iter_user_terminals(search=device):
            ids = (item.get("userTerminalId"), item.get("kitSerialNumber"),
                   item.get("dishSerialNumber"))  # fmt: skip
            if device in ids:
                return item
        return None

    def iter_products(self):
        """All subscription products (``GET /public/v2/products``)."""
        return self.iter_results(API_PREFIX + "/products")

    def iter_addresses(self, address_ids=None):
        """All addresses (``GET /public/v2/addresses``)."""
        params = {"addressIds": list(address_ids or []) or None}
        return self.iter_results(API_PREFIX + "/addresses", params)

    def iter_data_usage(
        self,
        service_line_numbers=None,
        previous_billing_cycles=1,
        active_only=True,
        query_start_date=None,
        page_limit=USAGE_PAGE_LIMIT,
    ):
        """Usage per service line (``POST /public/v2/data-usage/query``, every page).

        Yields ``ServiceLineDataUsageForBillingCycles`` objects; parse them with
        :func:`.usage.parse_data_usage`.
        """
        body = {"previousBillingCycles": int(previous_billing_cycles)}
        body["activeServiceLinesOnly"] = bool(active_only)
        if service_line_numbers is not None:
            body["serviceLineNumbers"] = list(service_line_numbers)
        if query_start_date is not None:
            body["queryStartDate"] = _iso(query_start_date)
        return self.iter_results(
            API_PREFIX + "/data-usage/query", method="POST", json=body, limit=page_limit
        )

    def query_data_usage(self, service_line_numbers=None, **options):
        """Like :meth:`iter_data_usage`, as a list."""
        return list(self.iter_data_usage(service_line_numbers, **options))

    def telemetry_stream(self, batch_size=1000, max_linger_ms=15000):
        """Next telemetry batch (``POST /public/v2/telemetry/stream``), raw JSON.

        Each successful call advances the account's read index; decode the
        answer with :func:`.telemetry.decode_stream` and store it before the
        next call.
        """
        if not 1 <= int(batch_size) <= STREAM_MAX or not 0 <= int(max_linger_ms) <= STREAM_MAX:
            raise ValueError("batch_size and max_linger_ms must be at most %d" % STREAM_MAX)
        read_timeout = max(self.timeout[1], max_linger_ms / 1000.0 + self.timeout[1])
        body = {"batchSize": int(batch_size), "maxLingerMs": int(max_linger_ms)}
        return self.request(
            "POST",
            API_PREFIX + "/telemetry/stream",
            json=body,
            timeout=(self.timeout[0], read_timeout),
        )

    def telemetry_query(self, device_ids=None):
        """Latest telemetry values per device (``POST /public/v2/telemetry/query``)."""
        body = {} if device_ids is None else {"deviceIds": list(device_ids)}
        return self.request("POST", API_PREFIX + "/telemetry/query", json=body)

    # ------------------------------------------------------------------ activation
    def find_addresses(self, metadata=None, address_ids=None):
        """Addresses filtered by ``metadata`` and/or ids (``GET /public/v2/addresses``), a list.

        Use it to find an address created earlier (e.g. with a reference of
        ours in ``metadata``) before creating it again.
        """
        params = {"metadata": metadata, "addressIds": list(address_ids or []) or None}
        return list(self.iter_results(API_PREFIX + "/addresses", params))

    def create_address(
        self,
        address_lines,
        formatted_address,
        latitude,
        longitude,
        locality=None,
        administrative_area=None,
        region=None,
        postal_code=None,
        metadata=None,
    ):
        """``POST /public/v2/addresses``: the new ``AddressResponse`` (``content``).

        Starlink derives the region and area codes from the coordinates.
        """
        body = {
            "addressLines": list(address_lines),
            "formattedAddress": formatted_address,
            "latitude": float(latitude),
            "longitude": float(longitude),
            "locality": locality,
            "administrativeArea": administrative_area,
            "region": region,
            "postalCode": postal_code,
            "metadata": metadata,
        }
        body = {key: value for key, value in body.items() if value is not None}
        return self._write("POST", API_PREFIX + "/addresses", json=body).get("content") or {}

    def create_service_line(
        self, address_reference_id, product_reference_id, recurring_data_blocks=None
    ):
        """``POST /public/v2/service-lines``: the new ``ServiceLineResponse`` (``content``).

        :param recurring_data_blocks: ``[{"productId": ..., "count": ...}]`` or None
        """
        body = {
            "addressReferenceId": address_reference_id,
            "productReferenceId": product_reference_id,
        }
        if recurring_data_blocks:
            body["dataBlockProducts"] = {"recurringDataBlocks": list(recurring_data_blocks)}
        return self._write("POST", API_PREFIX + "/service-lines", json=body).get("content") or {}

    def add_user_terminal(self, device_id):
        """``POST /public/v2/user-terminals``: put a terminal on the account (no service yet).

        :param device_id: user terminal id, kit serial or dish serial
        :return: the answer envelope
        """
        return self._write("POST", API_PREFIX + "/user-terminals", json={"deviceId": device_id})

    def attach_user_terminal(self, service_line_number, device_id):
        """``POST /public/v2/service-lines/{sln}/user-terminals``: add a terminal to a line.

        The terminal must already be on the account (:meth:`add_user_terminal`).
        """
        path = self._line_path(service_line_number, "/user-terminals")
        return self._write("POST", path, json={"deviceId": device_id})

    def remove_user_terminal(self, service_line_number, device_id):
        """``DELETE /public/v2/service-lines/{sln}/user-terminals/{deviceId}``: take a terminal
        off a line (it stays on the account, without service), e.g. to swap a faulty kit.

        :param device_id: user terminal id, kit serial or dish serial
        """
        path = self._line_path(
            service_line_number, "/user-terminals/" + requests.utils.quote(device_id, safe="")
        )
        return self._write("DELETE", path)

    # ------------------------------------------------------------------ plans and data
    def update_service_line_product(
        self, service_line_number, product_reference_id, delay_update=None, recurring_blocks=None
    ):
        """``PUT /public/v2/service-lines/{sln}/product``: change the plan.

        :param delay_update: None: an upgrade applies at once, a downgrade on the
            next billing date (Starlink's rule); True: next billing date; False: at once
        :param recurring_blocks: ``[{"productId": ..., "count": ...}]`` or None
        """
        body = {"productReferenceId": product_reference_id}
        if delay_update is not None:
            body["delayUpdate"] = bool(delay_update)
        if recurring_blocks:
            body["recurringDataBlocks"] = list(recurring_blocks)
        return self._write("PUT", self._line_path(service_line_number, "/product"), json=body)

    def top_up_data(self, service_line_number, product_id, count=1):
        """``POST /public/v2/service-lines/{sln}/data/top-up``: buy one-time data blocks.

        Not idempotent: every call that reaches Starlink charges again. A lost
        answer raises with ``possibly_applied``; re-read before sending again.
        """
        body = {"productId": product_id, "count": int(count)}
        return self._write("POST", self._line_path(service_line_number, "/data/top-up"), json=body)

    def opt_in_priority_data(self, service_line_number):
        """``POST .../data/opt-in``: the ``OptInResponse`` (``content``).

        A change refused during the cool down raises :class:`StarlinkValidationError`;
        ``isInOptInCoolDown`` says when not to ask again.
        """
        path = self._line_path(service_line_number, "/data/opt-in")
        return self._write("POST", path).get("content") or {}

    def opt_out_priority_data(self, service_line_number):
        """``POST .../data/opt-out``: the ``OptInResponse`` (``content``).

        Same cool-down rule as :meth:`opt_in_priority_data`.
        """
        path = self._line_path(service_line_number, "/data/opt-out")
        return self._write("POST", path).get("content") or {}

    def deactivate_service_line(self, service_line_number, end_now=False, reason=None):
        """``DELETE /public/v2/service-lines/{sln}``: cancel the line.

        :param end_now: end today rather than on the next billing date
        :param reason: ``reasonForCancellation``
        """
        params = {"endNow": _bool_param(bool(end_now)), "reasonForCancellation": reason}
        params = {key: value for key, value in params.items() if value is not None}
        return self._write("DELETE", self._line_path(service_line_number, ""), params=params)

    def get_partial_periods(self, service_line_number):
        """``GET .../billing-cycles/partial-periods`` of a line.

        :return: ``[{productReferenceId, periodStart, periodEnd}]``
        """
        path = self._line_path(service_line_number, "/billing-cycles/partial-periods")
        return self.request("GET", path).get("content") or []

    # ------------------------------------------------------------------ billing
    def iter_invoices(self):
        """Invoice summaries (``GET /public/v2/billing/invoices``, every page)."""
        return self.iter_results(API_PREFIX + "/billing/invoices")

    def get_invoice(self, invoice_id):
        """One invoice with its lines (``GET /public/v2/billing/invoices/{id}``, ``content``)."""
        path = "%s/billing/invoices/%s" % (API_PREFIX, requests.utils.quote(invoice_id, safe=""))
        return self.request("GET", path).get("content") or {}

    def get_balance(self):
        """``GET /public/v2/billing/balance``: ``[{currency, dueAmount}]``, one per currency."""
        content = self.request("GET", API_PREFIX + "/billing/balance").get("content") or {}
        return content.get("balances") or []

    # ------------------------------------------------------------------ devices
    def reboot_user_terminal(self, device_id):
        """``POST /public/v2/user-terminals/{id}/reboot`` (terminal id, kit or dish serial)."""
        path = "%s/user-terminals/%s/reboot" % (
            API_PREFIX,
            requests.utils.quote(device_id, safe=""),
        )
        return self._write("POST", path)

    def reboot_router(self, router_id):
        """``POST /public/v2/routers/{routerId}/reboot``."""
        path = "%s/routers/%s/reboot" % (API_PREFIX, requests.utils.quote(router_id, safe=""))
        return self._write("POST", path)

    def _write(self, method, path, params=None, json=None):
        """A write: not retried once it may have reached Starlink (see the module docstring)."""
        return self.request(method, path, params=params, json=json, write=True)

    @staticmethod
    def _line_path(service_line_number, suffix):
        """``/public/v2/service-lines/{sln}`` + ``suffix``, the number quoted."""
        quoted = requests.utils.quote(service_line_number, safe="")
        return "%s/service-lines/%s%s" % (API_PREFIX, quoted, suffix)


def _bool_param(value):
    """Query string boolean (None = omitted)."""
    return None if value is None else ("true" if value else "false")


def _iso(value):
    """ISO 8601 text of a date, datetime or string."""
    return value if isinstance(value, str) else value.isoformat()


__all__ = ["StarlinkClient", "StarlinkError"]
