using Streaming.Kafka.Telemetry;
using Streaming.PushTrigger;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPushTrigger();

var app = builder.Build();
app.MapServiceDefaults();
app.MapDeadLetterStatus("/v1/status");
app.Run();
