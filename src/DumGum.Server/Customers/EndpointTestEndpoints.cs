using DumGum.Http;
using DumGum.Http.Validation;
using DumGum.Projects;

namespace DumGum.Customers;

/// <summary>The admin route of the endpoint test (<see cref="EndpointTester"/>).</summary>
public static class EndpointTestEndpoints
{
    public static RouteGroupBuilder MapEndpointTest(this RouteGroupBuilder group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.MapPost("/projects/{id}/endpoint-test", TestAsync)
            .WithName("TestCustomerEndpoints")
            .WithSummary("Calls the project's Profile endpoint for both ids and its Chat History endpoint for the pair, once each, and reports status, latency and what a run would find wrong.")
            .DocumentsJsonBody<EndpointTestRequest>()
            .Produces<EndpointTestResult>()
            .ProducesProblem(400).ProducesProblem(404);
        return group;
    }

    static readonly ObjectRule Body = new(
        new Field("userProfileId", new StringRule(1, 128), Required: true),
        new Field("personaProfileId", new StringRule(1, 128), Required: true));

    static async Task<IResult> TestAsync(string id, HttpContext http, ProjectStore projects, EndpointTester tester)
    {
        if (projects.Find(id) is not { } project) return Problem.NotFound($"There is no project {id}.");
        var (body, problem) = await CheckedBody.ReadAsync(http, Body);
        if (problem is not null) return problem;
        return Results.Ok(await tester.TestAsync(project, (string)body!["userProfileId"]!, (string)body["personaProfileId"]!, http.RequestAborted));
    }
}

/// <summary>The body of the endpoint test: the ids the operator typed.</summary>
public sealed record EndpointTestRequest(string UserProfileId, string PersonaProfileId);
