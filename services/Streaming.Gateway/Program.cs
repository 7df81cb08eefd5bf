using Streaming.Gateway;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddGateway();

var app = builder.Build();
app.UseRateLimiter();
app.MapServiceDefaults();
app.MapGatewayEndpoints();
app.Run();
