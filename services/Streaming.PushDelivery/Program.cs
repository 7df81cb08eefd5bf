using Streaming.Kafka.Telemetry;
using Streaming.PushDelivery;
using Streaming.ServiceDefaults;

var builder = WebApplication.CreateBuilder(args);
builder.AddServiceDefaults();
builder.AddPushDelivery();

var app = builder.Build();
app.MapServiceDefaults();
app.MapDeadLetterStatus("/v1/status");
app.Run();
