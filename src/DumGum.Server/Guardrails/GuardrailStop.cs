namespace DumGum.Guardrails;

/// <summary>A guardrail's stop: the reason, the end of the ban (null = permanent), and whether the reply text is kept.</summary>
public sealed record GuardrailStop(string Reason, DateTimeOffset? Until, bool KeepText);
