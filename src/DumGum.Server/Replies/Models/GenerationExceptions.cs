namespace DumGum.Replies.Models;

/// <summary>
/// No acceptable reply could be written: the model's output failed the checks three times, the model server kept
/// failing, or the project's token budget is spent. The conversation run is dropped with <c>GENERATION_FAILED</c>.
/// </summary>
public class GenerationFailedException : Exception
{
    public GenerationFailedException() : this("the reply could not be generated") { }

    public GenerationFailedException(string message) : this(message, []) { }

    public GenerationFailedException(string message, Exception innerException) : base(message, innerException) => Reasons = [];

    public GenerationFailedException(string message, IReadOnlyList<string> reasons, int attempts = 0, Exception? innerException = null)
        : base(message, innerException)
    {
        Reasons = reasons;
        Attempts = attempts;
    }

    /// <summary>Why each attempt was rejected (check codes such as <c>ASSISTANT_SPEAK</c>), oldest first.</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>Model calls made before giving up.</summary>
    public int Attempts { get; }
}

/// <summary>The model server kept failing with transient errors until the retries ran out.</summary>
public sealed class ModelUnavailableException : GenerationFailedException
{
    public ModelUnavailableException() { }
    public ModelUnavailableException(string message) : base(message) { }
    public ModelUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>The project has used its daily token budget (<c>Generation:DailyTokenBudgetPerProject</c>).</summary>
public sealed class TokenBudgetExceededException : GenerationFailedException
{
    public TokenBudgetExceededException() { }
    public TokenBudgetExceededException(string message) : base(message) { }
    public TokenBudgetExceededException(string message, Exception innerException) : base(message, innerException) { }

    public TokenBudgetExceededException(string projectId, long used, long budget)
        : base($"project {projectId} has used {used} of its {budget} tokens for today (UTC); no model call until the budget resets")
    {
        ProjectId = projectId;
        Used = used;
        Budget = budget;
    }

    public string? ProjectId { get; }
    public long Used { get; }
    public long Budget { get; }
}

/// <summary>A <c>chatModel</c> that is not configured (the enqueue schema rejects these with a 400 first).</summary>
public sealed class UnknownChatModelException : GenerationFailedException
{
    public UnknownChatModelException() { }
    public UnknownChatModelException(string message) : base(message) { }
    public UnknownChatModelException(string message, Exception innerException) : base(message, innerException) { }

    public UnknownChatModelException(string chatModel, IReadOnlyList<string> configured)
        : base($"chatModel '{chatModel}' is not configured; configured: {string.Join(", ", configured)}") =>
        ChatModel = chatModel;

    public string? ChatModel { get; }
}
