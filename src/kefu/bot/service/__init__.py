"""The bot domain: admin-managed intents (CRUD, CSV), training in a separate process, the
serving "brain" cached per process and refreshed when intents or the model change, the
turn log and its unanswered clusters, and agent assist.

A package by role, one mixin each, composed into the one `bot_service`: base (the brain's
type and cache, settings, the retrain trigger), intents (CRUD and action checks), exchange
(CSV export and import), training (the training process and stored models), answering (the
brain, predictions, the turn log, the try box and assist)."""

from __future__ import annotations

from kefu.bot.service.answering import BotAnswering
from kefu.bot.service.base import TRAIN_JOB, Brain
from kefu.bot.service.exchange import MAX_CSV_BYTES, BotExchange
from kefu.bot.service.intents import demo_questions
from kefu.bot.service.training import BotTraining, shutdown_training

__all__ = [
    "MAX_CSV_BYTES",
    "TRAIN_JOB",
    "BotService",
    "Brain",
    "bot_service",
    "demo_questions",
    "shutdown_training",
]


class BotService(BotExchange, BotTraining, BotAnswering):
    pass


bot_service = BotService()
