using DumGum.Replies.Checks;
using DumGum.Replies.Prompt;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Models;

/// <summary>Registration of the reply engine: options, model catalog, the <see cref="IChatClient"/> pipeline, checks and writer.</summary>
public static class ModelServices
{
    /// <summary>ActivitySource and Meter of the model calls (OpenTelemetry GenAI conventions).</summary>
    public const string TelemetrySourceName = "DumGum.Models";

    /// <summary>
    /// The pipeline, outermost first: logging (one entry per logical call; prompt and reply text only at Trace) →
    /// token budget (checked once per call, booked from the response's usage) → bounded retries → OpenTelemetry (one
    /// span per attempt, so failed attempts are visible) → the provider (<see cref="OpenAIModelRouter"/> or the offline
    /// engine). Budget and retries only apply to the OpenAI provider: the offline engine costs nothing and cannot fail.
    /// </summary>
    public static IServiceCollection AddReplyEngine(this IServiceCollection services)
    {
        services.AddOptions<GenerationOptions>().BindConfiguration(GenerationOptions.Section)
            .PostConfigure(GenerationOptions.ApplyDefaults)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<GenerationOptions>, GenerationOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ModelCatalog>();
        services.AddSingleton<TokenBudget>();
        services.AddSingleton<OfflineChatClient>();
        services.TryAddSingleton<TokenCounter>();
        services.TryAddSingleton<PromptBuilder>();
        services.AddSingleton<LanguageDetector>();
        services.AddHostedService<LanguageDetectorWarmup>();
        services.AddSingleton<ReplyChecks>();
        services.AddSingleton<ReplyWriter>();

        services.AddChatClient(sp => Options(sp).Provider == GenerationProvider.OpenAI
                ? new OpenAIModelRouter(Options(sp), sp.GetRequiredService<ILogger<OpenAIModelRouter>>())
                : sp.GetRequiredService<OfflineChatClient>())
            .UseLogging()
            .Use((inner, sp) => Options(sp) is { Provider: GenerationProvider.OpenAI } o
                ? new TokenBudgetChatClient(inner, sp.GetRequiredService<TokenBudget>(), o.DailyTokenBudgetPerProject)
                : inner)
            .Use((inner, sp) => Options(sp) is { Provider: GenerationProvider.OpenAI } o
                ? new RetryingChatClient(inner, o.MaxRetries, o.RetryBaseDelay, sp.GetRequiredService<TimeProvider>(),
                    sp.GetRequiredService<ILogger<RetryingChatClient>>())
                : inner)
            .UseOpenTelemetry(sourceName: TelemetrySourceName);
        return services;
    }

    static GenerationOptions Options(IServiceProvider sp) => sp.GetRequiredService<IOptions<GenerationOptions>>().Value;
}

/// <summary>Loads the language screening models in the background at start, when replies come from a model.</summary>
sealed class LanguageDetectorWarmup(LanguageDetector detector, IOptions<GenerationOptions> options, ILogger<LanguageDetectorWarmup> log)
    : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (options.Value.Provider != GenerationProvider.OpenAI) return Task.CompletedTask;
        _ = Task.Run(() =>
        {
            try
            {
                detector.Warm();
            }
            catch (Exception ex) when (ex is IOException or InvalidOperationException or UnauthorizedAccessException)
            {
                log.LogWarning(ex, "Could not load the language models; the wrong-language check will retry on first use");
            }
        }, CancellationToken.None);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
