"""Learned dispatching: the job shop as a gymnasium environment and a policy trained on it.

Importing this package is cheap; gymnasium, torch and sb3-contrib load with the names that
need them.

Environments
    ``DispatchEnv`` (static job shop, one dispatch per step, ``action_masks()``),
    ``make_vec_env`` (several at once), ``DynamicDispatchEnv`` (a SimPy shop where machines
    break down and jobs arrive during the episode), ``ConstructionState``, ``FEATURES``
Instances
    ``taillard`` (Taillard's generator), ``TA_SEEDS``, ``TRAIN_SIZES``, ``TrainingInstances``,
    ``training_seeds``, ``evaluation_seeds``, ``evaluation_instances``, ``published_instance``,
    ``TA_OPTIMA``
Evaluation
    ``EvalTask``, ``compare_dispatchers`` (policy, rules and CP-SAT on any dtwin back-end)
Policies
    ``DispatchNet``, ``Policy``, ``load_policy``, ``save_policy``, ``shipped_policy_dir``,
    ``solve_policy``, ``policy_action``; training: ``TrainConfig``, ``TrainResult``,
    ``train_policy``
"""

from __future__ import annotations

from dtwin.lazy import lazy_front

_EXPORTS: dict[str, str] = {
    "DispatchEnv": "dtwin.schedule.rl.env",
    "make_vec_env": "dtwin.schedule.rl.vector",
    "DynamicDispatchEnv": "dtwin.schedule.rl.dynamic",
    "ConstructionState": "dtwin.schedule.rl.state",
    "FEATURES": "dtwin.schedule.rl.features",
    "taillard": "dtwin.schedule.rl.generators",
    "TA_SEEDS": "dtwin.schedule.rl.generators",
    "TRAIN_SIZES": "dtwin.schedule.rl.generators",
    "TrainingInstances": "dtwin.schedule.rl.generators",
    "training_seeds": "dtwin.schedule.rl.generators",
    "evaluation_seeds": "dtwin.schedule.rl.generators",
    "evaluation_instances": "dtwin.schedule.rl.generators",
    "DispatchNet": "dtwin.schedule.rl.network",
    "Policy": "dtwin.schedule.rl.dispatcher",
    "load_policy": "dtwin.schedule.rl.dispatcher",
    "save_policy": "dtwin.schedule.rl.dispatcher",
    "shipped_policy_dir": "dtwin.schedule.rl.dispatcher",
    "solve_policy": "dtwin.schedule.rl.dispatcher",
    "policy_action": "dtwin.schedule.rl.dispatcher",
    "published_instance": "dtwin.schedule.rl.generators",
    "TA_OPTIMA": "dtwin.schedule.rl.generators",
    "EvalTask": "dtwin.schedule.rl.evaluate",
    "compare_dispatchers": "dtwin.schedule.rl.evaluate",
    "TrainConfig": "dtwin.schedule.rl.train",
    "TrainResult": "dtwin.schedule.rl.train",
    "train_policy": "dtwin.schedule.rl.train",
}

__all__ = sorted(_EXPORTS)

__getattr__, __dir__ = lazy_front(__name__, _EXPORTS)
