using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace DumGum.Replies.Vision;

/// <summary>Registration of Vision Link: options (checked at start), the analyser, the cache and the run step.</summary>
public static class VisionServices
{
    public static IServiceCollection AddVisionLink(this IServiceCollection services)
    {
        services.AddOptions<VisionOptions>().BindConfiguration(VisionOptions.Section).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VisionOptions>, VisionOptionsValidator>());
        services.AddSingleton<PictureAnalyser>();
        services.AddSingleton<VisionCache>();
        services.AddSingleton<VisionLink>();
        return services;
    }
}
