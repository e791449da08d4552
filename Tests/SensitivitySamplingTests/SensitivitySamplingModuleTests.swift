import XCTest
import SensitivitySampling

final class SensitivitySamplingModuleTests: XCTestCase {
    func testModuleLinks() { XCTAssertTrue(true) }
}
