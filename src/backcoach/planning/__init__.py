"""Pure rules: settings, red-flag screening, the session gate, pain, progression, today's plan.

Modules: ``settings`` (thresholds, ``load_settings``), ``screening`` (questions,
``evaluate_screening``), ``gate`` (``session_gate``), ``pain`` (``validate_pain``,
``should_stop``), ``progression`` (``decide_level``), ``planner`` (``plan_today``),
``reasons`` (the one-sentence reasons), ``history`` and ``plan`` (the contract types).
"""
