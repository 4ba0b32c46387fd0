namespace DumGum.Playground;

public static class PlaygroundHosting
{
    public static void AddPlayground(this IServiceCollection services)
    {
        services.AddSingleton<PlaygroundStore>();
        services.AddSingleton<PlaygroundSignal>();
        services.AddSingleton<PlaygroundCustomer>();
        services.AddSingleton<PlaygroundService>();
        // Handlers of an HttpClient pipeline are made per handler chain; the customer behind it is the singleton.
        services.AddTransient<PlaygroundHandler>();
    }
}
