"""Dashboard pages of messaging: overview, history, detail, scheduled, batches, insights, statistics. The Send
page (numbers box and live quote) is a page of contacts: it confirms and sends through contacts' group send."""

from datetime import date, timedelta

from django.contrib import messages as flash
from django.core.paginator import Paginator
from django.http import JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views import View

from accounts.confirm import ask_first
from accounts.pages import TeamPageMixin
from accounts.permissions import Action, sees_everyone
from accounts.selectors import team_balance
from core.csv_safe import csv_lines
from core.errors import DomainError
from messaging import selectors
from messaging.filters import MessageFilter
from messaging.models import Status
from messaging.services import batch_cancel, message_delete, message_mark_read
from messaging.services.stats import statistics
from messaging.vocabulary import STATUS_WORDS, failure_reason, is_final, status_words

PAGE_SIZE = 50


class OverviewView(TeamPageMixin, View):
    """Balances, today's and this month's messages, delivery rate, 30 days by status, recent batches."""

    def get(self, request):
        user, today = request.user, timezone.localdate()
        rows = statistics(team=self.team, start=today - timedelta(days=29), end=today, user=_own_unless_everyone(user))
        month = [r for r in rows if r["day"] >= today.replace(day=1)]
        delivered = sum(r["count"] for r in rows if r["status"] == "DELIVRD")
        finished = sum(r["count"] for r in rows if is_final(r["status"]) and r["status"] != "BLACKLISTED")
        batches = [(b, selectors.batch_progress(batch=b)) for b in selectors.batch_list(team=self.team, actor=user)[:5]]
        context = {
            "balance": user.balance,
            "team_balance": team_balance(team=self.team)
            if sees_everyone(actor=user, action=Action.BALANCE_READ)
            else None,
            "low_balance": user.balance < self.team.low_balance_threshold,
            "today_count": sum(r["count"] for r in rows if r["day"] == today),
            "month_count": sum(r["count"] for r in month),
            "delivery_rate": round(100 * delivered / finished) if finished else None,
            "batches": batches,
            **_day_table(rows, today - timedelta(days=29), today, by_credits=False),
        }
        return render(request, "dashboard/overview.html", context)


def _filtered(request, team):
    messages = selectors.message_list(team=team, actor=request.user, include_deleted=True)
    filterset = MessageFilter(request.GET or None, queryset=messages)
    return filterset, filterset.qs.select_related("batch").order_by("-id")


class MessageListView(TeamPageMixin, View):
    template = "messaging/messages.html"
    direction = None

    def get(self, request):
        filterset, messages = _filtered(request, self.team)
        if self.direction:
            messages = messages.filter(direction=self.direction)
        problems = _filter_problems(filterset)
        if problems:  # reported, never ignored: an unfiltered list would pass for the filtered one
            messages = messages.none()
        page = Paginator(messages, PAGE_SIZE).get_page(request.GET.get("page"))
        query = request.GET.copy()
        query.pop("page", None)
        return render(
            request,
            self.template,
            {"filter": filterset, "page": page, "query": query.urlencode(), "filter_problems": problems},
        )


def _filter_problems(filterset) -> list[str]:
    """What is wrong with the history filter's values, in words ("From: Enter a valid date.")."""
    if not filterset.is_bound:
        return []
    form = filterset.form
    problems = [f"{form.fields[name].label or name}: {' '.join(errors)}" for name, errors in form.errors.items()]
    data = form.cleaned_data if not form.errors else {}
    start, end = data.get("created_after"), data.get("created_before")
    if start and end and start > end:
        problems.append("From is after To: no day is in that range.")
    return problems


class MessageExportView(TeamPageMixin, View):
    """CSV of the filtered history, streamed in chunks: constant memory whatever the size."""

    COLUMNS = ("id", "direction", "created", "sender", "recipient", "status", "segments", "price", "campaign", "text")

    def get(self, request):
        _, messages = _filtered(request, self.team)
        zone = self.team.zone  # the rows are written after get() returns, outside the page's time zone
        rows = (
            [
                m.uuid,
                m.direction,
                timezone.localtime(m.created_at, zone).isoformat(),
                m.sender,
                m.recipient,
                m.status,
                m.segments,
                m.price,
                m.campaign,
                m.text,
            ]
            for m in messages.iterator(chunk_size=2000)
        )
        response = StreamingHttpResponse(csv_lines(self.COLUMNS, rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="messages.csv"'
        return response


class MessageDetailView(TeamPageMixin, View):
    def get(self, request, message_id):
        message = selectors.message_get(team=self.team, actor=request.user, message_id=message_id)
        if request.GET.get("format") == "json":  # the page's own poll, until the status is final
            words = status_words(message.status)
            return JsonResponse(
                {
                    "status": message.status,
                    "word": words.word,
                    "final": is_final(message.status),
                    "reason": failure_reason(message.status, message.error),
                    "refunded": message.is_refunded,
                }
            )
        return render(
            request,
            "messaging/message.html",
            {
                "message": message,
                "final": is_final(message.status),
                "events": message.events.all(),
                "parts": message.parts.all(),
                # Which carrier took it and what it cost us are support's business, not the customer's.
                "attempts": message.submit_attempts.all() if request.user.is_staff else (),
                "callbacks": message.notifications.prefetch_related("tries"),
                "replies": message.replies.all(),
            },
        )

    def post(self, request, message_id):
        message = selectors.message_get(team=self.team, actor=request.user, message_id=message_id)
        if request.POST.get("action") == "delete":
            message = message_delete(message=message, actor=request.user)
            cancelled = " and cancelled (refunded)" if message.status == Status.DELETED else ""
            flash.success(request, f"Message deleted{cancelled}.")
            return redirect("dashboard:messages")
        message_mark_read(message=message, actor=request.user, read=request.POST.get("read") == "1")
        return redirect("dashboard:message", message_id=message.uuid)


class ScheduledListView(TeamPageMixin, View):
    """Messages waiting for their send time (single ones and batches'), each cancellable with its refund."""

    def get(self, request):
        page = Paginator(selectors.scheduled_list(team=self.team, actor=request.user), PAGE_SIZE).get_page(
            request.GET.get("page")
        )
        cancelled = selectors.scheduled_cancelled_list(team=self.team, actor=request.user)[:20]
        return render(request, "messaging/scheduled.html", {"page": page, "cancelled": cancelled, "query": ""})


class ScheduledCancelView(TeamPageMixin, View):
    """Asks first (GET, works without JavaScript), then cancels through `message_delete` (POST)."""

    def get(self, request, message_id):
        message = selectors.message_get(team=self.team, actor=request.user, message_id=message_id)
        if message.status != Status.QUEUE:
            flash.error(request, "This message is no longer waiting: it cannot be cancelled.")
            return redirect("dashboard:scheduled")
        when = timezone.localtime(message.scheduled_at).strftime("%Y-%m-%d %H:%M") if message.scheduled_at else "now"
        return render(
            request,
            "dashboard/confirm.html",
            {
                "title": "Cancel a scheduled message",
                "question": f"Cancel the message to {message.recipient} scheduled for {when}?",
                "consequence": f"It will not be sent, and {message.price:.2f} credits come back to your balance.",
                "action_label": f"Cancel it and refund {message.price:.2f} credits",
                "back_url": reverse("dashboard:scheduled"),
            },
        )

    def post(self, request, message_id):
        message = selectors.message_get(team=self.team, actor=request.user, message_id=message_id)
        if message.status == Status.QUEUE:  # else nothing to cancel: the message is not hidden either
            message = message_delete(message=message, actor=request.user)
        if message.status == Status.DELETED:
            refunded = f" {message.price:.2f} credits refunded." if message.is_refunded else ""
            flash.success(request, f"Message to {message.recipient} cancelled.{refunded}")
        else:
            flash.error(request, "This message was already on its way: it was not cancelled.")
        return redirect("dashboard:scheduled")


class BatchListView(TeamPageMixin, View):
    def get(self, request):
        page = Paginator(selectors.batch_list(team=self.team, actor=request.user), 25).get_page(request.GET.get("page"))
        rows = [(b, selectors.batch_progress(batch=b)) for b in page]
        return render(request, "messaging/batches.html", {"page": page, "rows": rows})


class BatchDetailView(TeamPageMixin, View):
    def get(self, request, batch_id):
        batch = selectors.batch_get(team=self.team, actor=request.user, batch_id=batch_id)
        progress = selectors.batch_progress(batch=batch)
        if request.GET.get("format") == "json":
            return JsonResponse({**progress.__dict__, "percent": progress.percent, "done": progress.done})
        return render(request, "messaging/batch.html", {"batch": batch, "progress": progress})

    def post(self, request, batch_id):
        batch = selectors.batch_get(team=self.team, actor=request.user, batch_id=batch_id)
        waiting = selectors.batch_progress(batch=batch).queued
        question = ask_first(
            request,
            title=f"Cancel batch #{batch.pk}",
            question=f"Cancel the {waiting} message(s) of batch #{batch.pk} still waiting to be sent?",
            consequence="They will not be sent and their credits come back to the sender's balance."
            " Messages already on the network are not affected.",
            action_label=f"Cancel {waiting} waiting message(s)",
            back_url=reverse("dashboard:batch", kwargs={"batch_id": batch.pk}),
        )
        if question:
            return question
        try:
            cancelled = batch_cancel(batch=batch, actor=request.user)
            flash.success(request, f"{cancelled} waiting message(s) cancelled and refunded.")
        except DomainError as exc:
            flash.error(request, exc.message)
        return redirect("dashboard:batch", batch_id=batch.pk)


class InsightsView(TeamPageMixin, View):
    """Delivery rate and failures by country and by error for a chosen period (`delivery_insights`)."""

    def get(self, request):
        today = timezone.localdate()
        problems = []
        try:
            start = _date(request.GET.get("start")) or today - timedelta(days=29)
        except ValueError:
            start, problems = today - timedelta(days=29), [*problems, "From must be a date (YYYY-MM-DD)."]
        try:
            end = _date(request.GET.get("end")) or today
        except ValueError:
            end, problems = today, [*problems, "To must be a date (YYYY-MM-DD)."]
        if start > end:
            problems.append("From is after To: no day is in that range.")
        insights = None
        if not problems:
            insights = selectors.delivery_insights(team=self.team, actor=request.user, start=start, end=end)
        errors = [
            (e, status_words(e.status).word, failure_reason(e.status, e.error))
            for e in (insights.errors if insights else [])
        ]
        return render(
            request,
            "messaging/insights.html",
            {"start": start, "end": end, "insights": insights, "errors": errors, "problems": problems},
        )


class StatisticsView(TeamPageMixin, View):
    def get(self, request):
        today = timezone.localdate()
        try:
            start = _date(request.GET.get("start")) or today - timedelta(days=29)
            end = _date(request.GET.get("end")) or today
        except ValueError:
            start, end = today - timedelta(days=29), today
            flash.error(request, "Dates must be YYYY-MM-DD.")
        by_credits = request.GET.get("by") == "credits"
        rows = statistics(team=self.team, start=start, end=end, user=_own_unless_everyone(request.user))
        table = _day_table(rows, start, end, by_credits)
        return render(
            request,
            "messaging/statistics.html",
            {"start": start, "end": end, "by_credits": by_credits, **table},
        )


def _own_unless_everyone(user):
    """The statistics' user filter: none for who may see everyone's (`Action.STATISTICS_READ`), else oneself."""
    return None if sees_everyone(actor=user, action=Action.STATISTICS_READ) else user


def _date(value):
    return date.fromisoformat(value) if value else None


def _day_table(rows, start, end, by_credits) -> dict:
    """Rows of (day, [value per status word]) for every day in range, the words seen (Delivered,
    Failed... in the vocabulary's order: statuses with one word share a column), and a chart dataset."""
    order = {word: i for i, word in enumerate(dict.fromkeys(w for w, _, _ in STATUS_WORDS.values()))}
    values: dict = {}
    for r in rows:
        word = status_words(r["status"]).word
        cell = values.setdefault(r["day"], {})
        cell[word] = cell.get(word, 0) + (float(r["credits"]) if by_credits else r["count"])
    statuses = sorted({w for cell in values.values() for w, v in cell.items() if v}, key=lambda w: order.get(w, 99))
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    table = [(day, [values.get(day, {}).get(s, 0) for s in statuses]) for day in days]
    totals = [sum(row[1][i] for row in table) for i in range(len(statuses))]
    chart = {
        "labels": [d.isoformat() for d in days],
        "datasets": [{"label": s, "data": [row[1][i] for row in table]} for i, s in enumerate(statuses)],
    }
    return {"statuses": statuses, "table": table, "totals": totals, "chart": chart, "empty": not statuses}
